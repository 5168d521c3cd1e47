// The people and enterprises holding a role or shares in one enterprise (the first hop of the related
// parties through a shared person or corporate shareholder, queries.profile), with the role's period:
// one read from the keyed enterprise (LadybugDB plans the two-hop pattern of
// profile_related_enterprise as a scan: ~100-250 ms at 1M enterprises, this and
// profile_related_out_roles ~1-2 ms).
// params: uid STRING
MATCH (e:Enterprise {uid: $uid})<-[r:LEGAL_REP|HOLDS_SHARES]-(x)
RETURN x.uid AS via_uid, label(x) AS via_label, x.name AS via_name, label(r) AS via_rel,
       r.valid_from AS valid_from, r.valid_to AS valid_to
