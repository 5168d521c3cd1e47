// Regions by code.
// params: uids LIST<STRING>
UNWIND $uids AS u
MATCH (n:Region {uid: u})
RETURN n.uid AS uid, n.name AS name, n.level AS level, n.province AS province, n.city AS city
