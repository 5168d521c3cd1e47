// Every enterprise's name and name key: the candidates of a batch check's similar-name matching
// (queries/check.py filters them in Arrow, once for all the subjects of a check).
MATCH (e:Enterprise)
RETURN e.uid AS uid, e.name AS name, e.name_key AS name_key
