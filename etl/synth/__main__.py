"""``python -m etl.synth``: generate a synthetic extract."""
from etl.synth.output import main

main()
