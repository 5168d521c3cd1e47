// Phoenix (金蝉脱壳) candidates, side A: people (legal representative or shareholder) of an
// enterprise A that has a counted penalty event (active, or any with $history) and shows an
// end-of-life signal: a dissolved date (注销/吊销日期), a status text naming its end (注销,
// 吊销, 撤销, 迁出 and their variants such as 吊销未注销), or a serious-dishonest /
// abnormal-operation listing (the end when no date is known). Which signal and which date
// apply, and the new company B of the same person (or identity), are worked out in Python
// (queries.lifecycle, queries.repeat). The status markers mirror lifecycle.END_MARKERS.
// params: history BOOLEAN
MATCH (v:PenaltyEvent)<-[:PENALIZED]-(a:Enterprise)<-[:LEGAL_REP]-(p:Person)
WHERE ($history OR coalesce(v.status, 'active') = 'active')
  AND (a.dissolved IS NOT NULL OR a.status CONTAINS '注销' OR a.status CONTAINS '吊销'
       OR a.status CONTAINS '撤销' OR a.status CONTAINS '迁出'
       OR v.kind IN ['serious_illegal', 'abnormal_operation'])
RETURN DISTINCT p.uid AS person, 'LEGAL_REP' AS role, a.uid AS a
UNION ALL
MATCH (v:PenaltyEvent)<-[:PENALIZED]-(a:Enterprise)<-[:HOLDS_SHARES]-(p:Person)
WHERE ($history OR coalesce(v.status, 'active') = 'active')
  AND (a.dissolved IS NOT NULL OR a.status CONTAINS '注销' OR a.status CONTAINS '吊销'
       OR a.status CONTAINS '撤销' OR a.status CONTAINS '迁出'
       OR v.kind IN ['serious_illegal', 'abnormal_operation'])
RETURN DISTINCT p.uid AS person, 'HOLDS_SHARES' AS role, a.uid AS a
