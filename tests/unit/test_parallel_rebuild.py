"""A worker of a parallel rebuild that dies without a word, and the chunks' shared counter."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from projections.engine.parallel import RebuildWorkerError, SharedClaims, collect


class TestCollect:
    def test_a_worker_that_dies_without_reporting_fails_the_rebuild_in_one_line(self) -> None:
        context = multiprocessing.get_context("spawn")
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=os._exit, args=(3,))
        process.start()
        sender.close()

        with pytest.raises(RebuildWorkerError) as failed:
            collect(process, receiver)

        assert str(failed.value) == "rebuild: its worker process died (exit code 3)"
        receiver.close()


def claim_three(claims: SharedClaims) -> None:
    for _ in range(3):
        claims.claim()
        claims.add_done(10)


class TestSharedClaims:
    def test_every_chunk_is_claimed_once_across_processes(self) -> None:
        context = multiprocessing.get_context("spawn")
        claims = SharedClaims(context)
        process = context.Process(target=claim_three, args=(claims,))
        process.start()
        process.join()

        assert [claims.claim(), claims.claim()] == [3, 4]
        assert claims.done() == 30
