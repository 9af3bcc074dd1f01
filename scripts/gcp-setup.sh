#!/usr/bin/env bash
# One-time setup of a Google Cloud project for Kindling (cloudbuild.yaml does the rest, on every
# deploy): enables the APIs, creates the Firestore database, the BigQuery dataset, the Cloud Tasks
# queue and the operator-token secret, and one service account per function and per Google
# caller, each with only the roles its code uses. Safe to re-run: what exists is left as it is.
#
#   scripts/gcp-setup.sh --project my-project [--region us-central1] [--dataset kindling]
#                        [--bigquery-location US] [--firestore-location <region>] [--queue kindling-ingest]
#                        [--dry-run]
#
# --dry-run prints, one per line, every gcloud and bq command that a fresh project gets, and runs
# nothing (not even the read-only checks that make a real run skip what exists).
set -euo pipefail

PROJECT=''
REGION=us-central1
DATASET=kindling
BIGQUERY_LOCATION=US
FIRESTORE_LOCATION=''
QUEUE=kindling-ingest
DRY_RUN=false

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --project) PROJECT="${2:?}"; shift 2 ;;
    --region) REGION="${2:?}"; shift 2 ;;
    --dataset) DATASET="${2:?}"; shift 2 ;;
    --bigquery-location) BIGQUERY_LOCATION="${2:?}"; shift 2 ;;
    --firestore-location) FIRESTORE_LOCATION="${2:?}"; shift 2 ;;
    --queue) QUEUE="${2:?}"; shift 2 ;;
    --dry-run) DRY_RUN=true; shift ;;
    -h | --help) usage ;;
    *) echo "Unknown option: $1" >&2; usage ;;
  esac
done
[ -n "$PROJECT" ] || { echo 'Missing --project.' >&2; usage; }
FIRESTORE_LOCATION="${FIRESTORE_LOCATION:-$REGION}"

sa() { echo "kindling-$1@$PROJECT.iam.gserviceaccount.com"; }

# Prints a command as one line of shell words (quoted only where needed).
show() {
  local out='' word
  for word in "$@"; do
    if [[ "$word" =~ ^[A-Za-z0-9_./:=@,+%-]+$ ]]; then out+="$word "; else out+="'${word//\'/\'\\\'\'}' "; fi
  done
  echo "${out% }"
}

# Runs a command that changes the project (or only prints it, on a dry run).
run() {
  if $DRY_RUN; then show "$@"; else "$@"; fi
}

# Whether a read-only check succeeds; on a dry run nothing exists yet.
exists() {
  if $DRY_RUN; then return 1; fi
  "$@" >/dev/null 2>&1
}

# --- APIs ---------------------------------------------------------------------------------------
run gcloud services enable --project="$PROJECT" \
  cloudfunctions.googleapis.com run.googleapis.com cloudbuild.googleapis.com \
  artifactregistry.googleapis.com cloudtasks.googleapis.com cloudscheduler.googleapis.com \
  bigquery.googleapis.com bigquerystorage.googleapis.com firestore.googleapis.com firebaserules.googleapis.com \
  firebase.googleapis.com firebasehosting.googleapis.com identitytoolkit.googleapis.com \
  secretmanager.googleapis.com iam.googleapis.com logging.googleapis.com \
  cloudresourcemanager.googleapis.com serviceusage.googleapis.com

# --- Data stores --------------------------------------------------------------------------------
if ! exists gcloud firestore databases describe --project="$PROJECT" --database='(default)'; then
  run gcloud firestore databases create --project="$PROJECT" --database='(default)' \
    --location="$FIRESTORE_LOCATION" --type=firestore-native
fi
if ! exists bq --project_id="$PROJECT" show --dataset "$PROJECT:$DATASET"; then
  run bq --project_id="$PROJECT" --location="$BIGQUERY_LOCATION" mk --dataset \
    --description='Kindling events, one table per source' "$PROJECT:$DATASET"
fi
# cloudbuild.yaml sets its rate and retries; it exists here so that enqueueing can be granted on it.
if ! exists gcloud tasks queues describe "$QUEUE" --project="$PROJECT" --location="$REGION"; then
  run gcloud tasks queues create "$QUEUE" --project="$PROJECT" --location="$REGION"
fi

# --- Service accounts ---------------------------------------------------------------------------
# One per function (its runtime identity), one per Google caller (the identity in the OIDC
# tokens Cloud Tasks and Cloud Scheduler attach), and the deployer that Cloud Build runs as.
purpose() {
  case "$1" in
    tasks) echo 'Cloud Tasks calling the Kindling sink' ;;
    scheduler) echo 'Cloud Scheduler calling the Kindling billing report' ;;
    deployer) echo 'Cloud Build deploying Kindling' ;;
    *) echo "Kindling $1 function" ;;
  esac
}
for name in ingest sink api admin billing web tasks scheduler deployer; do
  if ! exists gcloud iam service-accounts describe "$(sa "$name")" --project="$PROJECT"; then
    run gcloud iam service-accounts create "kindling-$name" --project="$PROJECT" \
      --display-name="$(purpose "$name")"
  fi
done

grant_project() { # <account> <role>
  run gcloud projects add-iam-policy-binding "$PROJECT" --member="serviceAccount:$(sa "$1")" \
    --role="$2" --condition=None --quiet
}
grant_on_account() { # <account> <role> <on account>: may act as / be used by that account
  run gcloud iam service-accounts add-iam-policy-binding "$(sa "$3")" --project="$PROJECT" \
    --member="serviceAccount:$(sa "$1")" --role="$2" --quiet
}
grant_on_dataset() { # <account> <role>: BigQuery grants on the one dataset, not the project
  run bq --project_id="$PROJECT" --location="$BIGQUERY_LOCATION" query --use_legacy_sql=false \
    "GRANT \`$2\` ON SCHEMA \`$PROJECT.$DATASET\` TO \"serviceAccount:$(sa "$1")\""
}

# Firestore's IAM stops at the database: no role narrows to collections. Every function that
# touches Firestore writes something (ingest: rate-limit and usage counters, schemas, rejected
# events; billing: usage reports), so each gets datastore.user; web and the callers get none.
for name in ingest sink api admin billing; do grant_project "$name" roles/datastore.user; done

# ingest: enqueue on the one queue, with tasks that carry kindling-tasks' OIDC token.
run gcloud tasks queues add-iam-policy-binding "$QUEUE" --project="$PROJECT" --location="$REGION" \
  --member="serviceAccount:$(sa ingest)" --role=roles/cloudtasks.enqueuer
grant_on_account ingest roles/iam.serviceAccountUser tasks

# sink: create source tables, add columns, stream rows; on the dataset only.
grant_on_dataset sink roles/bigquery.dataEditor
# api: run query jobs (a project-level permission in BigQuery), read the dataset's tables, and
# create and drop a source's table when the source is created or deleted.
grant_project api roles/bigquery.jobUser
grant_on_dataset api roles/bigquery.dataEditor

# admin and billing read the operator token.
if ! exists gcloud secrets describe kindling-admin-token --project="$PROJECT"; then
  if $DRY_RUN; then
    run gcloud secrets create kindling-admin-token --project="$PROJECT" --replication-policy=automatic --data-file=-
  else
    head -c 32 /dev/urandom | base64 | tr -d '\n=' | tr '/+' '_-' |
      gcloud secrets create kindling-admin-token --project="$PROJECT" --replication-policy=automatic --data-file=-
  fi
fi
for name in admin billing; do
  run gcloud secrets add-iam-policy-binding kindling-admin-token --project="$PROJECT" \
    --member="serviceAccount:$(sa "$name")" --role=roles/secretmanager.secretAccessor
done

# --- The deployer (Cloud Build) -----------------------------------------------------------------
for role in roles/cloudfunctions.developer roles/run.admin roles/cloudbuild.builds.builder \
  roles/cloudtasks.queueAdmin roles/cloudscheduler.admin roles/bigquery.user \
  roles/firebaserules.admin roles/datastore.indexAdmin roles/firebasehosting.admin \
  roles/firebase.viewer roles/serviceusage.serviceUsageConsumer roles/logging.logWriter; do
  grant_project deployer "$role"
done
# It deploys each function to run as that function's account, builds them as itself, and
# creates the billing job with kindling-scheduler's token.
for name in ingest sink api admin billing web scheduler deployer; do
  grant_on_account deployer roles/iam.serviceAccountUser "$name"
done

if ! $DRY_RUN; then
  cat <<EOF

Project $PROJECT is ready. Deploy (and re-deploy) with:
  gcloud builds submit --project=$PROJECT --config=cloudbuild.yaml --substitutions=_REGION=$REGION,_DATASET=$DATASET,_BIGQUERY_LOCATION=$BIGQUERY_LOCATION,_QUEUE=$QUEUE
EOF
fi
