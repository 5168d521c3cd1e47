// Every enterprise with what the public credit grade reads (queries/grade.py).
MATCH (e:Enterprise)
RETURN e.uid AS uid, e.name AS name, e.region AS region, e.industry AS industry, e.status AS status,
       e.founded AS founded, e.dissolved AS dissolved
