"""The short summary of a long body: the ask or next step, its date and amount kept."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from core.activity.summaries import (
    INPUT_CAP,
    SUMMARY_LENGTH,
    ExtractiveSummarizer,
    summarize_extractively,
    summary_for,
    use_summarizer,
)
from core.ports import Summarizer

QUOTE_REQUEST = """Hi there,

Thanks for getting back to me so quickly yesterday, I really appreciate it. We bought the house
on Elm Street last spring and the kitchen sink has been draining slower and slower ever since.
My brother-in-law tried a snake on it last weekend but it didn't help much, and now there is a
smell coming from under the cabinet. Could you come out Thursday morning to take a look and
give us a quote? The side door is usually easiest.

Thanks,
Rita Moreno
555-777-0101
"""

ESTIMATE_REPLY = """Hello Bob,

I hope this finds you well. We went over the estimate you sent with my husband over the weekend
and talked it through with the neighbours, who had similar work done in the summer. Overall it
looks good and we think the scope is right. The total of $4,250 is a bit more than we had
budgeted, though. Can you call me to talk through the options?

Best,
Dana

On Mon, Nov 16, 2026 at 9:12 AM Bob's Plumbing <bob@example.com> wrote:
> Hi Dana, please find attached the estimate for the water heater replacement on Nov 20.
> Let me know if you have any questions.
"""

NOTE = (
    "Spoke with the property manager for the Oak Street fourplex about the recurring leak in unit "
    "3. She said the tenant has been putting buckets under the sink for two weeks and the "
    "cabinet floor is soft. The owner wants the whole supply line replaced rather than patched, "
    "and she will send the access codes once the tenant agrees. Next step: send the revised "
    "estimate of $1,800 by Friday so the owner can sign off at the Monday meeting."
)


def test_a_quote_request_keeps_the_ask_and_its_day() -> None:
    summary = summarize_extractively(QUOTE_REQUEST)
    assert summary == ("Could you come out Thursday morning to take a look and give us a quote?")


def test_a_reply_keeps_the_ask_and_the_amount_but_not_the_quoted_message() -> None:
    summary = summarize_extractively(ESTIMATE_REPLY)
    assert summary == (
        "The total of $4,250 is a bit more than we had budgeted, though. "
        "Can you call me to talk through the options?"
    )


def test_a_long_note_keeps_the_next_step_with_amount_and_date() -> None:
    summary = summarize_extractively(NOTE)
    assert summary == (
        "Next step: send the revised estimate of $1,800 by Friday so the owner can sign off at "
        "the Monday meeting."
    )


def test_short_bodies_are_not_summarised_and_long_ones_are() -> None:
    session = Session()
    assert summary_for(session, None) is None
    assert summary_for(session, "Wants a quote, call back Friday.") is None
    assert summary_for(session, " " * 400 + "short") is None
    assert summary_for(session, NOTE) == summarize_extractively(NOTE)


def test_the_wiring_can_put_another_summariser_in_place() -> None:
    class FirstWords:
        def summarize(self, text: str) -> str:
            return " ".join(text.split()[:3])

    chosen: Summarizer = FirstWords()
    sessions: sessionmaker[Session] = sessionmaker()
    use_summarizer(sessions, chosen)
    assert summary_for(sessions(), NOTE) == "Spoke with the"
    use_summarizer(sessions, ExtractiveSummarizer())
    assert summary_for(sessions(), NOTE) == summarize_extractively(NOTE)


def test_only_the_first_characters_are_read() -> None:
    head = "Please call me back on Friday about the $300 repair. " + "x " * (INPUT_CAP // 2)
    assert summarize_extractively(head + "y" * 1_000_000) == summarize_extractively(head)


sentences = st.lists(
    st.text(min_size=1, max_size=120).map(lambda s: s.strip() or "ok"), min_size=1, max_size=12
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=3000))
def test_never_longer_than_the_text_and_never_empty(text: str) -> None:
    summary = summarize_extractively(text)
    assert len(summary) <= min(len(text), SUMMARY_LENGTH)
    assert bool(summary) == bool(text.strip())


@settings(max_examples=200, deadline=None)
@given(sentences, st.sampled_from(["\n", " ", "\n\n", "\r\n"]))
def test_emails_of_any_shape_keep_the_rules(parts: list[str], joiner: str) -> None:
    text = joiner.join(f"{part}." for part in parts)
    summary = summarize_extractively(text)
    assert 0 < len(summary) <= min(len(text), SUMMARY_LENGTH)
