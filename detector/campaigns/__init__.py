"""Campaign fingerprints: copies of one template, linked by their recipient-masked skeleton.

`fingerprint` makes a copy's signature, `linking` decides which campaign it joins (the same for
every store), `stores` holds the campaigns (memory, SQLite, Redis; `open_campaign_store(url)`),
`reason` turns a linked campaign into the CAMPAIGN_COPY hit.
"""
