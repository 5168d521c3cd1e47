// Every red-list entry of every enterprise (queries/grade.py keeps those listed on the day graded).
MATCH (e:Enterprise)-[:HONORED]->(r:RedListEntry)
RETURN e.uid AS enterprise, r.uid AS entry, r.kind AS kind, r.list_name AS list_name, r.entered AS entered,
       r.removed AS removed, coalesce(r.status, 'active') AS status
