"""Ranking a blank line's candidate lines: the policy (policy.py), its rules (rules/), and the task
built from the document (task.py). The model's side answers through `engine.interface.CandidateSource`."""

from hushcode.completion.ranking.policy import (
    RANK_FIRSTS,
    BlankLineTask,
    Greedy,
    Ranking,
    Scored,
    order,
    rank,
    ranker,
)
from hushcode.completion.ranking.task import blank_line_task, lines_below

__all__ = ["RANK_FIRSTS", "BlankLineTask", "Greedy", "Ranking", "Scored", "blank_line_task", "lines_below", "order",
           "rank", "ranker"]
