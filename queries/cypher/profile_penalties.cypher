// Every penalty event of a party (enterprise or person), whatever its status.
// params: uid STRING
MATCH (s:Enterprise {uid: $uid})-[r:PENALIZED]->(ev:PenaltyEvent)
RETURN ev.uid AS uid, ev.kind AS kind, ev.decided AS decided, ev.status AS status, ev.removed AS removed,
       ev.removal_reason AS removal_reason, ev.reason AS reason, ev.result AS result, ev.amount AS amount,
       ev.authority AS authority, ev.region AS region, ev.doc_no AS doc_no, r.role AS role
UNION ALL
MATCH (s:Person {uid: $uid})-[r:PENALIZED]->(ev:PenaltyEvent)
RETURN ev.uid AS uid, ev.kind AS kind, ev.decided AS decided, ev.status AS status, ev.removed AS removed,
       ev.removal_reason AS removal_reason, ev.reason AS reason, ev.result AS result, ev.amount AS amount,
       ev.authority AS authority, ev.region AS region, ev.doc_no AS doc_no, r.role AS role
