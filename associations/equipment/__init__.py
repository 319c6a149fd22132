"""Equipment: the town's equipment lent to associations (chairs, tables, stands…), never beyond its stock."""
