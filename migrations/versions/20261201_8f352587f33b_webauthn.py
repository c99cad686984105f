"""passkeys (WebAuthn): the coordinators' credentials and each account's user handle

Revision ID: 8f352587f33b
Revises: 67be5655df87
Create Date: 2026-12-01 15:30:55.039365

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '8f352587f33b'
down_revision = '67be5655df87'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('webauthn',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.LargeBinary(length=1024), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('sign_count', sa.Integer(), nullable=True),
    sa.Column('transports', sa.UnicodeText(), nullable=True),
    sa.Column('backup_state', sa.Boolean(), nullable=False),
    sa.Column('device_type', sa.String(length=64), nullable=False),
    sa.Column('extensions', sa.String(length=255), nullable=True),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('usage', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lastuse_datetime', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_webauthn_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webauthn')),
    sa.UniqueConstraint('credential_id', name=op.f('uq_webauthn_credential_id'))
    )
    with op.batch_alter_table('webauthn', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webauthn_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fs_webauthn_user_handle', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_fs_webauthn_user_handle'), ['fs_webauthn_user_handle'])


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_fs_webauthn_user_handle'), type_='unique')
        batch_op.drop_column('fs_webauthn_user_handle')

    with op.batch_alter_table('webauthn', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webauthn_user_id'))

    op.drop_table('webauthn')
