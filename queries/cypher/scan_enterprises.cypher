// Every enterprise with the properties whole-graph analyses need (names are looked up
// later, for the rows that are reported).
MATCH (e:Enterprise)
RETURN e.uid AS uid, e.status AS status, e.founded AS founded, e.dissolved AS dissolved,
       e.region AS region, e.province AS province, e.city AS city
