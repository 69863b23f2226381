"""A live mailbox over IMAP: scored incrementally (`sincere scan imaps://…`), watched as mail arrives
(`sincere watch`), and optionally labelled back, with a journal so `sincere imap undo` can take every
label off again. Nothing here ever deletes or expunges a message it did not put there itself.
"""
