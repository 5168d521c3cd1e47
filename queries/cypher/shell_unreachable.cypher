// Enterprises listed as abnormal for being unreachable at the registered address
// (reason containing $reason, e.g. 无法联系), active listings only unless $history, decided on
// or before $as_of (a listing with no date counts).
// params: reason STRING, history BOOLEAN, as_of DATE
MATCH (e:Enterprise)-[:PENALIZED]->(v:PenaltyEvent)
WHERE v.kind = 'abnormal_operation' AND v.reason CONTAINS $reason
  AND ($history OR coalesce(v.status, 'active') = 'active')
  AND (v.decided IS NULL OR v.decided <= $as_of)
RETURN e.uid AS enterprise, v.uid AS event, v.decided AS decided,
       coalesce(v.status, 'active') AS status, v.reason AS reason
