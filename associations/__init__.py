"""associations: the associations' space (accounts with members, documents, verification) and, in its
sub-apps, what associations ask the town for: subsidies (associations.subsidies, through the
démarches), rooms (associations.rooms) and equipment (associations.equipment)."""
