// Every credit commitment (信用承诺) a party (enterprise or person) made, whatever its status.
// params: uid STRING
MATCH (s:Enterprise {uid: $uid})-[:COMMITTED]->(c:Commitment)
RETURN c.uid AS uid, c.kind AS kind, c.matter AS matter, c.made AS made, c.deadline AS deadline,
       c.status AS status, c.verified AS verified, c.authority AS authority, c.region AS region
UNION ALL
MATCH (s:Person {uid: $uid})-[:COMMITTED]->(c:Commitment)
RETURN c.uid AS uid, c.kind AS kind, c.matter AS matter, c.made AS made, c.deadline AS deadline,
       c.status AS status, c.verified AS verified, c.authority AS authority, c.region AS region
