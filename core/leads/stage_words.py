"""A stage as people say it ("estimate sent", "follow-up", "proposal out") read as a stage.

"Move the Dana lead to estimate sent" names a lead's pipeline stage; once the lead became a
job the same words mean the job's stage (an estimate sent is a proposal out). Won and lost are
not moves: they have their own confirmed buttons.
"""

from __future__ import annotations

import re

from core.common.enums import OpportunityStage, PipelineStage

__all__ = ["CLOSING_WORDS", "deal_stage_named", "lead_stage_named", "stage_key"]

#: Words that close a job rather than move it.
CLOSING_WORDS = frozenset({"won", "lost", "closed won", "closed lost"})

_LEAD_STAGES = {
    "inquiry": PipelineStage.inquiry,
    "new": PipelineStage.inquiry,
    "needs analysis": PipelineStage.needs_analysis,
    "analysis": PipelineStage.needs_analysis,
    "estimate sent": PipelineStage.estimate_sent,
    "quote sent": PipelineStage.estimate_sent,
    "proposal sent": PipelineStage.estimate_sent,
    "follow up": PipelineStage.follow_up,
    "followup": PipelineStage.follow_up,
    "scheduled visit": PipelineStage.scheduled_visit,
    "visit scheduled": PipelineStage.scheduled_visit,
    "scheduled": PipelineStage.scheduled_visit,
}
_DEAL_STAGES = {
    "estimating": OpportunityStage.estimating,
    "needs analysis": OpportunityStage.estimating,
    "inquiry": OpportunityStage.estimating,
    "estimate sent": OpportunityStage.proposal_sent,
    "quote sent": OpportunityStage.proposal_sent,
    "proposal sent": OpportunityStage.proposal_sent,
    "proposal out": OpportunityStage.proposal_sent,
    "follow up": OpportunityStage.proposal_sent,
    "followup": OpportunityStage.proposal_sent,
    "scheduled": OpportunityStage.scheduled,
    "scheduled visit": OpportunityStage.scheduled,
}
_SEPARATORS = re.compile(r"[\s_\-]+")


def stage_key(words: str) -> str:
    """The words as compared: lower case, `_` and `-` as spaces, one space between words."""
    return _SEPARATORS.sub(" ", words.strip().lower()).strip()


def lead_stage_named(words: str) -> PipelineStage | None:
    """The lead pipeline stage these words name, or None."""
    return _LEAD_STAGES.get(stage_key(words))


def deal_stage_named(words: str) -> OpportunityStage | None:
    """The open job stage these words name, or None."""
    return _DEAL_STAGES.get(stage_key(words))
