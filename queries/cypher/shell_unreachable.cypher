// Enterprises listed as abnormal for being unreachable at the registered address
// (reason containing $reason, e.g. 无法联系), active listings only unless $history.
// params: reason STRING, history BOOLEAN
MATCH (e:Enterprise)-[:PENALIZED]->(v:PenaltyEvent)
WHERE v.kind = 'abnormal_operation' AND v.reason CONTAINS $reason
  AND ($history OR coalesce(v.status, 'active') = 'active')
RETURN e.uid AS enterprise, v.uid AS event, v.decided AS decided,
       coalesce(v.status, 'active') AS status, v.reason AS reason
