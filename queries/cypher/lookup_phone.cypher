// Phones by uid (uid is the number: show `masked`).
// params: uids LIST<STRING>
UNWIND $uids AS u
MATCH (n:Phone {uid: u})
RETURN n.uid AS uid, n.masked AS masked
