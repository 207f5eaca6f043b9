"""The read models of DESIGN 7 (invoices, ledger, portal, deadlines, history, exposure), each
a module with its `SPEC`, and the pure helpers they share (open amounts, arrears, contract
state, document lines, the portal's figures and text, the deadline book)."""
