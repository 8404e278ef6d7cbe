"""The review station (`pipeline serve`): a local web app in Chinese where
an officer works the queue of filings that need a person, sees each
original's pages beside its fields, corrects values, accepts, rejects or
changes the kind. Every change goes through `pipeline.review`, as the CLI's
do. Starlette with Jinja2 templates under uvicorn; its JavaScript and CSS
are in `static/` (no CDN, no network)."""
