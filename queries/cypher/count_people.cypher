// How many Person nodes the graph holds (to size the parts of a scan read in parts).
MATCH (p:Person)
RETURN count(p) AS n
