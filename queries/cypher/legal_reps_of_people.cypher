// The enterprises some people are (or were) legal representative of, with founding date and
// the role's period (phoenix side B; shell hubs and name hubs of resolved identities: filter
// the period with queries._base.valid_on).
// params: uids LIST<STRING>
UNWIND $uids AS u
MATCH (p:Person {uid: u})-[r:LEGAL_REP]->(e:Enterprise)
RETURN p.uid AS person, e.uid AS enterprise, e.founded AS founded, r.valid_from AS valid_from,
       r.valid_to AS valid_to
