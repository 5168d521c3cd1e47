// Phoenix (金蝉脱壳) candidates: a person who is legal representative or shareholder of a
// deregistered/revoked enterprise A (status in $statuses, dissolved date known) that has a
// counted penalty event, and legal representative of another enterprise B founded on or
// after A's dissolution. The founding window is checked in Python.
// params: statuses LIST<STRING>, history BOOLEAN
MATCH (v:PenaltyEvent)<-[:PENALIZED]-(a:Enterprise)<-[:LEGAL_REP]-(p:Person)-[:LEGAL_REP]->(b:Enterprise)
WHERE a.status IN $statuses AND a.dissolved IS NOT NULL AND b.uid <> a.uid
  AND b.founded >= a.dissolved AND ($history OR coalesce(v.status, 'active') = 'active')
RETURN DISTINCT p.uid AS person, 'LEGAL_REP' AS role, a.uid AS a, a.dissolved AS dissolved,
       b.uid AS b, b.founded AS founded
UNION ALL
MATCH (v:PenaltyEvent)<-[:PENALIZED]-(a:Enterprise)<-[:HOLDS_SHARES]-(p:Person)-[:LEGAL_REP]->(b:Enterprise)
WHERE a.status IN $statuses AND a.dissolved IS NOT NULL AND b.uid <> a.uid
  AND b.founded >= a.dissolved AND ($history OR coalesce(v.status, 'active') = 'active')
RETURN DISTINCT p.uid AS person, 'HOLDS_SHARES' AS role, a.uid AS a, a.dissolved AS dissolved,
       b.uid AS b, b.founded AS founded
