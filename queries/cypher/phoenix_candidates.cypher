// Phoenix (金蝉脱壳) candidates, side A: people (legal representative or shareholder) of an
// enterprise A that has a counted penalty event (active, or any with $history; decided on or
// before $as_of) and shows an end: a dissolved date (注销/吊销日期), a status text naming its
// end (注销, 吊销, 撤销, 迁出 and their variants such as 吊销未注销), a serious-dishonest /
// abnormal-operation listing (the end when no date is known), or ($by_decision) the person's
// own role there ended by $as_of. Without $by_decision only roles valid on $as_of count. Which
// signal and which date apply, whether the penalty falls to the person, and the new company B
// of the same person (or identity), are worked out in Python (queries.lifecycle,
// queries.repeat; docs/time.md). The status markers mirror lifecycle.END_MARKERS.
// params: history BOOLEAN, as_of DATE, by_decision BOOLEAN
MATCH (v:PenaltyEvent)<-[:PENALIZED]-(a:Enterprise)<-[r:LEGAL_REP]-(p:Person)
WHERE ($history OR coalesce(v.status, 'active') = 'active') AND (v.decided IS NULL OR v.decided <= $as_of)
  AND NOT (r.valid_from IS NOT NULL AND r.valid_from > $as_of)
  AND ($by_decision OR NOT (r.valid_to IS NOT NULL AND r.valid_to <= $as_of))
  AND (a.dissolved IS NOT NULL OR a.status CONTAINS '注销' OR a.status CONTAINS '吊销'
       OR a.status CONTAINS '撤销' OR a.status CONTAINS '迁出'
       OR v.kind IN ['serious_illegal', 'abnormal_operation']
       OR ($by_decision AND r.valid_to IS NOT NULL AND r.valid_to <= $as_of))
RETURN DISTINCT p.uid AS person, 'LEGAL_REP' AS role, a.uid AS a, r.valid_from AS valid_from, r.valid_to AS valid_to
UNION ALL
MATCH (v:PenaltyEvent)<-[:PENALIZED]-(a:Enterprise)<-[r:HOLDS_SHARES]-(p:Person)
WHERE ($history OR coalesce(v.status, 'active') = 'active') AND (v.decided IS NULL OR v.decided <= $as_of)
  AND NOT (r.valid_from IS NOT NULL AND r.valid_from > $as_of)
  AND ($by_decision OR NOT (r.valid_to IS NOT NULL AND r.valid_to <= $as_of))
  AND (a.dissolved IS NOT NULL OR a.status CONTAINS '注销' OR a.status CONTAINS '吊销'
       OR a.status CONTAINS '撤销' OR a.status CONTAINS '迁出'
       OR v.kind IN ['serious_illegal', 'abnormal_operation']
       OR ($by_decision AND r.valid_to IS NOT NULL AND r.valid_to <= $as_of))
RETURN DISTINCT p.uid AS person, 'HOLDS_SHARES' AS role, a.uid AS a, r.valid_from AS valid_from, r.valid_to AS valid_to
