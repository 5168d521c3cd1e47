// Every region (a few thousand rows): names for region codes.
MATCH (n:Region)
RETURN n.uid AS uid, n.name AS name, n.level AS level
