// Key properties of penalty events, by uid.
// params: uids LIST<STRING>
UNWIND $uids AS u
MATCH (n:PenaltyEvent {uid: u})
RETURN n.uid AS uid, n.kind AS kind, n.decided AS decided, n.status AS status, n.removed AS removed,
       n.reason AS reason, n.amount AS amount, n.authority AS authority, n.region AS region,
       n.province AS province, n.city AS city, n.doc_no AS doc_no
