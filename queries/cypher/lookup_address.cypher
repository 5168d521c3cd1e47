// Addresses by uid, with the declared-cluster flag (集中办公区).
// params: uids LIST<STRING>
UNWIND $uids AS u
MATCH (n:Address {uid: u})
RETURN n.uid AS uid, n.text AS text, n.cluster AS cluster, n.region AS region
