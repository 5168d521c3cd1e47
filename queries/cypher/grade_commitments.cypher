// Credit commitments by uid ("CM:<id>"), named in the reasons of commitment_breach events ("CB:<id>").
// params: uids LIST<STRING>
UNWIND $uids AS u
MATCH (c:Commitment {uid: u})
RETURN c.uid AS uid, c.matter AS matter, c.kind AS kind, c.status AS status
