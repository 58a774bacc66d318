# mailtrap as a CI service container: SMTP 1025, HTTP 8025, POP3 1110, IMAP 1143.
#
#   docker build -t mailtrap-sink .
#   docker run --rm -p 1025:1025 -p 8025:8025 mailtrap-sink
#
# Every option is a MAILTRAP_* variable (see README, "Run as a CI service"); arguments after
# the image name go to `mailtrap`. `sendmail` (also /usr/sbin/sendmail) submits to the
# container's own SMTP server, for apps that shell out to it. BASE lets the same file build
# from a locally made Python image where no registry is reachable (tests/container/build-image.sh
# does that).
ARG BASE=python:3.12-slim

# --- build stage: a virtual environment holding mailtrap and its dependencies ---------------
FROM ${BASE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
# No pip in the environment itself: the base's pip installs into it, so the final image gets
# no installer or build backend along with it.
RUN python -m venv --without-pip /opt/mailtrap
WORKDIR /src
# Dependencies first, from pyproject.toml alone, so that a code change does not fetch them again.
COPY pyproject.toml ./
RUN python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"], sep="\n")' > /tmp/requirements.txt \
    && python -m pip --python /opt/mailtrap/bin/python install -r /tmp/requirements.txt
# Then the project, installed normally (not editable: the package-dir mapping that provides
# mailtrap_pytest and mailtrap_web exists only in an installed copy).
COPY . ./
RUN python -m pip --python /opt/mailtrap/bin/python install . \
    && /opt/mailtrap/bin/mailtrap --version

# --- final stage: the base plus that environment, running as an unprivileged user ----------
FROM ${BASE}
RUN groupadd --gid 1000 mailtrap \
    && useradd --uid 1000 --gid 1000 --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin mailtrap \
    && install -d -o 1000 -g 1000 -m 0750 /data
COPY --from=build /opt/mailtrap /opt/mailtrap
# `mailtrap sendmail` as sendmail, where apps and PHP's mail() look for it.
RUN ln -s /opt/mailtrap/bin/mailtrap /usr/sbin/sendmail
ENV PATH=/opt/mailtrap/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MAILTRAP_LISTEN=0.0.0.0
# A writable data directory for the (planned) durable store; a volume so it survives the
# container when a name or path is mounted there.
WORKDIR /data
VOLUME ["/data"]
# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 1025 8025 1110 1143
# No curl in slim images: mailtrap probes its own servers, with the same MAILTRAP_* settings.
HEALTHCHECK --interval=5s --timeout=10s --start-period=30s --retries=3 \
    CMD ["mailtrap", "healthcheck"]
# mailtrap runs as PID 1 and stops cleanly on SIGTERM (docker stop's signal).
STOPSIGNAL SIGTERM
ENTRYPOINT ["mailtrap"]
