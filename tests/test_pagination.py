"""The one pagination helper: page numbers from the query string, page links, and pages of queries and lists."""
import pytest
import sqlalchemy as sa
from werkzeug.exceptions import BadRequest

from app.complaints.models import Complaint
from app.pagination import Page, paginate, paginate_list, parse_page
from tests.factories import make_complaint


@pytest.mark.parametrize("value, expected", [(None, 1), ("", 1), ("1", 1), ("7", 7), (" 3 ", 3), ("10000", 10_000)])
def test_page_numbers_are_read_from_the_query_string(value, expected):
    assert parse_page(value) == expected


def test_a_missing_page_number_gives_the_default():
    assert parse_page(None, default=4) == 4


@pytest.mark.parametrize("value", ["0", "-1", "10001", "99999999999999999999", "abc", "1e3", "2.5", "<script>"])
def test_absurd_page_numbers_are_refused_with_400(value):
    with pytest.raises(BadRequest):
        parse_page(value)


def test_a_middle_page_links_both_ways():
    page = Page(items=[], page=2, per_page=10, total=25)
    assert (page.pages, page.has_prev, page.has_next, page.prev_num, page.next_num) == (3, True, True, 1, 3)


@pytest.mark.parametrize("page_number, total, expected", [
    (1, 0, (1, False, False, None, None)),  # an empty list still has one, empty, page
    (1, 10, (1, False, False, None, None)),
    (1, 11, (2, False, True, None, 2)),
    (2, 11, (2, True, False, 1, None)),
])
def test_first_and_last_pages_link_only_one_way(page_number, total, expected):
    page = Page(items=[], page=page_number, per_page=10, total=total)
    assert (page.pages, page.has_prev, page.has_next, page.prev_num, page.next_num) == expected


def test_a_list_is_sliced_into_pages():
    page = paginate_list(range(25), 3, 10)
    assert page.items == [20, 21, 22, 23, 24] and page.total == 25 and page.pages == 3


def test_a_page_past_the_end_is_empty():
    assert paginate_list(range(5), 2, 10).items == []


def test_a_query_is_counted_in_full_and_fetched_one_page_at_a_time(app_context):
    ids = [make_complaint()[0].id for _ in range(3)]
    page = paginate(sa.select(Complaint).order_by(Complaint.id.desc()), 2, 2)
    assert page.total == 3 and page.pages == 2 and [c.id for c in page.items] == [ids[0]]


def test_the_outcomes_page_refuses_an_absurd_page_number(client):
    assert client.get("/transparency/outcomes", query_string={"page": "abc"}).status_code == 400
    assert client.get("/transparency/outcomes", query_string={"page": "2"}).status_code == 200
