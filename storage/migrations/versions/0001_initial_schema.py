"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 00:30:45.753308
"""
from alembic import op
import sqlalchemy as sa
import storage.types
from storage.views import DROP_VIEW_SQL, create_view_sql


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('apscheduler_jobs',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apscheduler_jobs_next_run_time'), ['next_run_time'], unique=False)

    op.create_table('crawl_locks',
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('acquired_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('source')
    )
    op.create_table('crawl_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('full_refresh', sa.Boolean(), nullable=False),
    sa.Column('started_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('finished_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('pid', sa.Integer(), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('requests', sa.Integer(), nullable=False),
    sa.Column('items_seen', sa.Integer(), nullable=False),
    sa.Column('items_new', sa.Integer(), nullable=False),
    sa.Column('items_updated', sa.Integer(), nullable=False),
    sa.Column('items_unchanged', sa.Integer(), nullable=False),
    sa.Column('items_expired', sa.Integer(), nullable=False),
    sa.Column('items_rejected', sa.Integer(), nullable=False),
    sa.Column('not_digital', sa.Integer(), nullable=False),
    sa.Column('detail_skipped', sa.Integer(), nullable=False),
    sa.Column('not_found', sa.Integer(), nullable=False),
    sa.Column('non_offer_pages', sa.Integer(), nullable=False),
    sa.Column('warnings', sa.Integer(), nullable=False),
    sa.Column('offers_new', sa.Integer(), nullable=False),
    sa.Column('offers_merged', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('stats', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crawl_runs_source'), ['source'], unique=False)

    op.create_table('non_offer_pages',
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('listing_key', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('seen_at', storage.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('source', 'url')
    )
    op.create_table('offers',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('first_seen_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('expired_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('expired_reason', sa.String(length=20), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=True),
    sa.Column('employer_search', sa.Text(), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('employer', sa.Text(), nullable=True),
    sa.Column('ministry', sa.Text(), nullable=True),
    sa.Column('public_service', sa.String(length=20), nullable=True),
    sa.Column('category', sa.String(length=4), nullable=True),
    sa.Column('contract', sa.String(length=32), nullable=True),
    sa.Column('city', sa.Text(), nullable=True),
    sa.Column('department_code', sa.String(length=3), nullable=True),
    sa.Column('region', sa.Text(), nullable=True),
    sa.Column('remote', sa.String(length=10), nullable=True),
    sa.Column('salary_min', sa.Integer(), nullable=True),
    sa.Column('salary_max', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.Date(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('job_family', sa.String(length=32), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('description_html', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offers_status'), ['status'], unique=False)
        batch_op.create_index('ix_offers_published_at', ['published_at'], unique=False)
        batch_op.create_index('ix_offers_region', ['region'], unique=False)
        batch_op.create_index('ix_offers_department_code', ['department_code'], unique=False)

    op.create_table('changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=10), nullable=False),
    sa.Column('entity_id', sa.String(length=32), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['crawl_runs.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.create_index('ix_changes_entity', ['entity', 'entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_changes_run_id'), ['run_id'], unique=False)

    op.create_table('postings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('offer_id', sa.String(length=32), nullable=True),
    sa.Column('is_digital', sa.Boolean(), nullable=False),
    sa.Column('job_family_evidence', sa.JSON(), nullable=False),
    sa.Column('pep_references', sa.JSON(), nullable=False),
    sa.Column('employer_key', sa.Text(), nullable=True),
    sa.Column('raw', sa.JSON(), nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('listing_ref', sa.Text(), nullable=True),
    sa.Column('listing_key', sa.Text(), nullable=True),
    sa.Column('detail_fetched', sa.Boolean(), nullable=False),
    sa.Column('salary_net', sa.JSON(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('first_seen_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('detail_fetched_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('gone_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('last_run_id', sa.Integer(), nullable=True),
    sa.Column('dedup_pending', sa.Boolean(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('employer', sa.Text(), nullable=True),
    sa.Column('ministry', sa.Text(), nullable=True),
    sa.Column('public_service', sa.String(length=20), nullable=True),
    sa.Column('category', sa.String(length=4), nullable=True),
    sa.Column('contract', sa.String(length=32), nullable=True),
    sa.Column('city', sa.Text(), nullable=True),
    sa.Column('department_code', sa.String(length=3), nullable=True),
    sa.Column('region', sa.Text(), nullable=True),
    sa.Column('remote', sa.String(length=10), nullable=True),
    sa.Column('salary_min', sa.Integer(), nullable=True),
    sa.Column('salary_max', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.Date(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('job_family', sa.String(length=32), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('description_html', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['last_run_id'], ['crawl_runs.id'], ),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'reference', name='uq_postings_source_reference')
    )
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.create_index('ix_postings_dedup_pending', ['dedup_pending'], unique=False)
        batch_op.create_index('ix_postings_department_code', ['department_code'], unique=False)
        batch_op.create_index('ix_postings_source_listing_ref', ['source', 'listing_ref'], unique=False)
        batch_op.create_index('ix_postings_source_status', ['source', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_postings_offer_id'), ['offer_id'], unique=False)

    op.create_table('offer_merges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.String(length=32), nullable=False),
    sa.Column('posting_id', sa.Integer(), nullable=False),
    sa.Column('matched_posting_id', sa.Integer(), nullable=True),
    sa.Column('rule', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('field_scores', sa.JSON(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['matched_posting_id'], ['postings.id'], ),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], ),
    sa.ForeignKeyConstraint(['posting_id'], ['postings.id'], ),
    sa.ForeignKeyConstraint(['run_id'], ['crawl_runs.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('offer_merges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_merges_offer_id'), ['offer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_merges_posting_id'), ['posting_id'], unique=False)

    op.execute(create_view_sql(op.get_bind().dialect.name))


def downgrade() -> None:
    op.execute(DROP_VIEW_SQL)
    with op.batch_alter_table('offer_merges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_merges_posting_id'))
        batch_op.drop_index(batch_op.f('ix_offer_merges_offer_id'))

    op.drop_table('offer_merges')
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_postings_offer_id'))
        batch_op.drop_index('ix_postings_source_status')
        batch_op.drop_index('ix_postings_source_listing_ref')
        batch_op.drop_index('ix_postings_department_code')
        batch_op.drop_index('ix_postings_dedup_pending')

    op.drop_table('postings')
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_changes_run_id'))
        batch_op.drop_index('ix_changes_entity')

    op.drop_table('changes')
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index('ix_offers_department_code')
        batch_op.drop_index('ix_offers_region')
        batch_op.drop_index('ix_offers_published_at')
        batch_op.drop_index(batch_op.f('ix_offers_status'))

    op.drop_table('offers')
    op.drop_table('non_offer_pages')
    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crawl_runs_source'))

    op.drop_table('crawl_runs')
    op.drop_table('crawl_locks')
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apscheduler_jobs_next_run_time'))

    op.drop_table('apscheduler_jobs')
