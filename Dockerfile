FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app
RUN useradd --create-home --uid 1000 netco
COPY . .
RUN pip install --no-cache-dir .
RUN pybabel compile --domain django --directory locale \
 && DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=build DATABASE_URL=sqlite:///build.sqlite3 \
    REDIS_URL=redis://build BALLOT_SEALING_KEY=build-only-build-only-build-only-0 \
    python manage.py collectstatic --noinput
USER netco
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
