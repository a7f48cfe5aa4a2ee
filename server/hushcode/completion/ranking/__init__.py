"""Ranking a blank line's candidate lines: the policy (policy.py), its rules (rules/), the task
built from the document (task.py), and what it asks of the model (model.py)."""

from hushcode.completion.ranking.model import CandidateModel, First, Greedy
from hushcode.completion.ranking.policy import RANK_FIRSTS, BlankLineTask, Ranking, Scored, order, rank
from hushcode.completion.ranking.task import blank_line_task, lines_below

__all__ = ["RANK_FIRSTS", "BlankLineTask", "CandidateModel", "First", "Greedy", "Ranking", "Scored",
           "blank_line_task", "lines_below", "order", "rank"]
