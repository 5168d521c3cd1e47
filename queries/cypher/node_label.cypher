// Which label a uid belongs to (one index lookup per label; a uid may, in principle, name
// nodes of two labels). LadybugDB looks a node up fast only under its label.
// params: uid STRING
MATCH (n:Enterprise {uid: $uid}) RETURN n.uid AS uid, 'Enterprise' AS label
UNION ALL MATCH (n:Person {uid: $uid}) RETURN n.uid AS uid, 'Person' AS label
UNION ALL MATCH (n:PenaltyEvent {uid: $uid}) RETURN n.uid AS uid, 'PenaltyEvent' AS label
UNION ALL MATCH (n:Address {uid: $uid}) RETURN n.uid AS uid, 'Address' AS label
UNION ALL MATCH (n:Phone {uid: $uid}) RETURN n.uid AS uid, 'Phone' AS label
UNION ALL MATCH (n:Email {uid: $uid}) RETURN n.uid AS uid, 'Email' AS label
UNION ALL MATCH (n:Region {uid: $uid}) RETURN n.uid AS uid, 'Region' AS label
