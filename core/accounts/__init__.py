"""Account management: companies now; legal entities, agreements and banks join them."""
