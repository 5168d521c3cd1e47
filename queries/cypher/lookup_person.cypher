// Key properties of people, by uid (the ID number itself is never stored: id_masked only).
// params: uids LIST<STRING>
UNWIND $uids AS u
MATCH (n:Person {uid: u})
RETURN n.uid AS uid, n.name AS name, n.id_masked AS id_masked, n.birth_year AS birth_year, n.region AS region
