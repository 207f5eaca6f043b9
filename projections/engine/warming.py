"""A view's identity map filled a page at a time, between the runner's live batches.

A runner starting on views it did not build (a restart, a rebuild in another process) used
to read every cached table into its identity map before following the log: seven views of a
200,000-event book took some two seconds, and every event committed meanwhile waited for
them (bench/projections.py: live lag p99 1.8-1.9 s after a rebuild). Now it follows at once
and reads the tables in pages of `PAGE_ROWS` rows, in key order, between batches
(`ProjectionGroup.warm_step`): a batch waits for one page at most, and a miss on the map
meanwhile reads its contract's rows as it always did. A backlog (a full batch to read) is
still preceded by the whole warming, since its batches would otherwise read contract after
contract.

Reading a page between batches is safe because the runner is the views' only writer
(DESIGN 1) and both run on its thread: a page read after a batch committed holds what that
batch wrote, and a row the batch wrote in a range already read is in the map already. Once
the last page of the last table is in, the map holds every row and is complete, unless
rows were dropped or forgotten on the way (the map grew past `CACHE_LIMIT`, or a resync):
then the warming stops there and the view stays cold, read as needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from projections.engine import rows

if TYPE_CHECKING:
    from collections.abc import Iterator

    from projections.engine.rows import RowView

PAGE_ROWS = 500
"""Rows read in one step: some 5-15 ms, the most a live batch waits for the warming (2,000
rows a page took up to 57 ms, and the live lag p99 was 66 ms against 27 ms with 500)."""


def warm_in_steps(view: RowView, page_rows: int | None = None) -> Iterator[None]:
    """Read `view`'s cached tables into its identity map, yielding after each page of
    `page_rows` rows (default `PAGE_ROWS`)."""
    if view._complete:
        return
    page_rows = page_rows or PAGE_ROWS
    view.forget()
    generation = view._generation
    for name, known in view._committed.items():
        table = view._by_name[name]
        after = None
        while True:
            page = view._load_page(table, after, page_rows)
            if view._generation != generation:
                return  # rows were dropped or forgotten meanwhile: the map stays partial
            known.update((table.key_of(row), row) for row in page)
            if view._committed_size() > rows.CACHE_LIMIT:
                view.forget()  # too big to hold: rows are read as needed
                return
            if len(page) < page_rows:
                break
            after = table.key_of(page[-1])
            yield
    view._complete = True
