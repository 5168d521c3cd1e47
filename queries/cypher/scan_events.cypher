// Every penalty event of every enterprise (active ones only unless $history), with the
// enterprise's region codes.
// params: history BOOLEAN
MATCH (e:Enterprise)-[:PENALIZED]->(v:PenaltyEvent)
WHERE $history OR coalesce(v.status, 'active') = 'active'
RETURN e.uid AS subject, v.uid AS event, v.kind AS kind, v.decided AS decided,
       coalesce(v.status, 'active') AS status, v.reason AS reason, v.region AS region,
       e.region AS subject_region, e.province AS subject_province, e.city AS subject_city
