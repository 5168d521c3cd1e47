// Key properties of enterprises, by uid (for result tables and evidence).
// params: uids LIST<STRING>
UNWIND $uids AS u
MATCH (n:Enterprise {uid: u})
RETURN n.uid AS uid, n.name AS name, n.uscc AS uscc, n.status AS status, n.founded AS founded,
       n.dissolved AS dissolved, n.capital AS capital, n.region AS region, n.province AS province,
       n.city AS city, n.address AS address, n.legal_rep_name AS legal_rep_name, n.resolved AS resolved
