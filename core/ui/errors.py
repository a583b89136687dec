from litestar import Request, Response

from core.errors import problem_response


def html_error(request: Request, exc: Exception) -> Response:
    return problem_response(request, exc)
