"""Content groups that need no token: comments, news, wiki, changelog."""

from __future__ import annotations

from .._route import route
from ..enums import OsuStrEnum
from ..models.changelog import Build, ChangelogListResponse
from ..models.comments import CommentBundle
from ..models.news import NewsPost, NewsPostListResponse
from ..models.wiki import WikiPage


class ChangelogMessageFormat(OsuStrEnum):
    """Formats of changelog entry messages to include."""

    HTML = "html"
    MARKDOWN = "markdown"


COMMENTS = route("GET", "api/v2/comments", scope=None, name="comments.list", response=CommentBundle,
                 paginated="cursor")
COMMENT = route("GET", "api/v2/comments/{comment}", scope=None, name="comments.get", response=CommentBundle)
NEWS = route("GET", "api/v2/news", scope=None, name="news.list", response=NewsPostListResponse,
             paginated="cursor_string")
NEWS_POST = route("GET", "api/v2/news/{news}", scope=None, name="news.get", response=NewsPost)
WIKI = route("GET", "api/v2/wiki/{locale}/{path}", scope=None, name="wiki.get", response=WikiPage)
CHANGELOG_BUILD = route("GET", "api/v2/changelog/{stream}/{build}", scope=None, name="changelog.build",
                        response=Build)
CHANGELOG = route("GET", "api/v2/changelog", scope=None, name="changelog.list", response=ChangelogListResponse,
                  paginated="id_range")
CHANGELOG_LOOKUP = route("GET", "api/v2/changelog/{changelog}", scope=None, name="changelog.lookup",
                         response=Build)
