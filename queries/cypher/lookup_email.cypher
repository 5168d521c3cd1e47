// E-mail addresses by uid (uid is the address: show `masked`).
// params: uids LIST<STRING>
UNWIND $uids AS u
MATCH (n:Email {uid: u})
RETURN n.uid AS uid, n.masked AS masked
