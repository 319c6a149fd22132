"""The rights of the RGPD, self-service: "Mes données personnelles" in Mon espace.

- download all my data: a streamed ZIP of every app's export (the personal-data registry) and of
  my own vault (`exports.export_personal_data`);
- correct my data: what the profile changes, and what to ask the town for;
- delete my account: deactivated at once, 30 days to come back, then erased for good by a daily
  task (`services`); signing in during those 30 days offers to come back (`signals`);
- the other rights (objection, restriction, …): the DPO's procedure of the démarches' catalogue.
"""
