"""``python -m creditgraph.etl.synth``: generate a synthetic extract."""
from creditgraph.etl.synth.output import main

main()
