//! Diesel table definitions, matching `migrations/` (written by hand: MariaDB reports JSON
//! columns as LONGTEXT, so they are `Text` here and (de)serialised in the models).

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Varchar,
        password_hash -> Varchar,
        display_name -> Varchar,
        avatar_file_id -> Nullable<Char>,
        bio -> Nullable<Varchar>,
        role -> Varchar,
        last_seen_at -> Nullable<Datetime>,
        created_at -> Datetime,
        updated_at -> Datetime,
        disabled_at -> Nullable<Datetime>,
        disabled_reason -> Nullable<Varchar>,
    }
}

diesel::table! {
    message_days (day, shard) {
        day -> Date,
        shard -> TinyInt,
        messages -> BigInt,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Datetime,
        actor_id -> Nullable<BigInt>,
        action -> Varchar,
        target_type -> Varchar,
        target_id -> Varchar,
        detail -> Text,
        prev_hash -> Char,
        hash -> Char,
    }
}

diesel::table! {
    refresh_token_families (id) {
        id -> Char,
        user_id -> BigInt,
        revoked_at -> Nullable<Datetime>,
        created_at -> Datetime,
        user_agent -> Nullable<Varchar>,
        ip -> Nullable<Varchar>,
        last_used_at -> Nullable<Datetime>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Char,
        family_id -> Char,
        user_id -> BigInt,
        expires_at -> Datetime,
        used_at -> Nullable<Datetime>,
        created_at -> Datetime,
    }
}

diesel::table! {
    conversations (id) {
        id -> BigInt,
        #[sql_name = "type"]
        kind -> Varchar,
        name -> Nullable<Varchar>,
        announcement -> Nullable<Varchar>,
        avatar_file_id -> Nullable<Char>,
        owner_id -> Nullable<BigInt>,
        direct_key -> Nullable<Varchar>,
        last_seq -> BigInt,
        last_message_at -> Nullable<Datetime>,
        created_by -> BigInt,
        created_at -> Datetime,
        updated_at -> Datetime,
    }
}

diesel::table! {
    conversation_members (conversation_id, user_id) {
        conversation_id -> BigInt,
        user_id -> BigInt,
        role -> Varchar,
        last_read_seq -> BigInt,
        joined_seq -> BigInt,
        joined_at -> Datetime,
        left_at -> Nullable<Datetime>,
        left_seq -> Nullable<BigInt>,
        muted_until -> Nullable<Datetime>,
        /// The other member of this direct conversation blocked this one.
        peer_blocked -> Bool,
        /// The member silenced this conversation's pushes until then (mentions still push).
        push_muted_until -> Nullable<Datetime>,
    }
}

diesel::table! {
    audit_published (id) {
        id -> TinyInt,
        last_id -> BigInt,
    }
}

diesel::table! {
    password_resets (token_hash) {
        token_hash -> Char,
        user_id -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Datetime,
        expires_at -> Datetime,
        used_at -> Nullable<Datetime>,
    }
}

diesel::table! {
    user_blocks (blocker_id, blocked_id) {
        blocker_id -> BigInt,
        blocked_id -> BigInt,
        created_at -> Datetime,
    }
}

diesel::table! {
    messages (id) {
        id -> Char,
        conversation_id -> BigInt,
        seq -> BigInt,
        sender_id -> BigInt,
        client_msg_id -> Varchar,
        #[sql_name = "type"]
        kind -> Varchar,
        content -> Text,
        file_id -> Nullable<Char>,
        reply_to -> Nullable<Char>,
        created_at -> Datetime,
        persisted_at -> Datetime,
        rev -> BigInt,
        edited_at -> Nullable<Datetime>,
        recalled_at -> Nullable<Datetime>,
        recalled_by -> Nullable<BigInt>,
        pinned_at -> Nullable<Datetime>,
        pinned_by -> Nullable<BigInt>,
        forwarded_from -> Nullable<Char>,
    }
}

diesel::table! {
    files (id) {
        id -> Char,
        uploader_id -> BigInt,
        filename -> Varchar,
        storage_key -> Varchar,
        size -> BigInt,
        content_type -> Varchar,
        sha256 -> Char,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        conversation_id -> Nullable<BigInt>,
        is_avatar -> Bool,
        referenced_at -> Nullable<Datetime>,
        created_at -> Datetime,
    }
}

diesel::table! {
    notifications (id) {
        id -> Char,
        user_id -> BigInt,
        kind -> Varchar,
        payload -> Text,
        read_at -> Nullable<Datetime>,
        created_at -> Datetime,
    }
}

diesel::table! {
    broadcasts (id) {
        id -> Char,
        sender_id -> Nullable<BigInt>,
        title -> Varchar,
        content -> Text,
        origin -> Varchar,
        created_at -> Datetime,
    }
}

diesel::table! {
    broadcast_read_cursors (user_id) {
        user_id -> BigInt,
        read_up_to -> Datetime,
    }
}

diesel::table! {
    events (id) {
        id -> Char,
        #[sql_name = "type"]
        kind -> Varchar,
        severity -> Varchar,
        payload -> Text,
        reporter_id -> Nullable<BigInt>,
        origin -> Varchar,
        occurred_at -> Datetime,
        created_at -> Datetime,
    }
}

diesel::table! {
    cascade_platforms (id) {
        id -> BigInt,
        code -> Varchar,
        name -> Varchar,
        relation -> Varchar,
        level -> Integer,
        api_url -> Nullable<Varchar>,
        amqp_url -> Nullable<Varchar>,
        sip -> Nullable<Text>,
        registration_token_hash -> Nullable<Char>,
        enabled -> Bool,
        status -> Varchar,
        last_heartbeat_at -> Nullable<Datetime>,
        forwarded_count -> BigInt,
        dropped_count -> BigInt,
        last_error -> Nullable<Varchar>,
        created_at -> Datetime,
        updated_at -> Datetime,
    }
}

diesel::table! {
    cascade_sync_jobs (id) {
        id -> Char,
        platform_id -> BigInt,
        kind -> Varchar,
        since -> Datetime,
        status -> Varchar,
        total -> BigInt,
        done -> BigInt,
        last_error -> Nullable<Varchar>,
        created_at -> Datetime,
        updated_at -> Datetime,
    }
}

diesel::table! {
    processed_envelopes (consumer, envelope_id) {
        consumer -> Varchar,
        envelope_id -> Varchar,
        processed_at -> Datetime,
    }
}

diesel::table! {
    send_receipts (conversation_id, sender_id, client_msg_id) {
        conversation_id -> BigInt,
        sender_id -> BigInt,
        client_msg_id -> Varchar,
        message_id -> Char,
        seq -> BigInt,
        created_at -> Datetime,
    }
}

diesel::table! {
    conversation_seqs (conversation_id) {
        conversation_id -> BigInt,
        seq_reserved -> BigInt,
        members_version -> BigInt,
        rev_reserved -> BigInt,
    }
}

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        url -> Varchar,
        secret -> Varchar,
        events -> Text,
        conversation_ids -> Nullable<Text>,
        enabled -> Bool,
        created_by -> BigInt,
        created_at -> Datetime,
        updated_at -> Datetime,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        envelope_id -> Varchar,
        kind -> Varchar,
        body -> Text,
        traceparent -> Nullable<Varchar>,
        status -> Varchar,
        attempts -> Integer,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Varchar>,
        next_attempt_at -> Datetime,
        deadline_at -> Datetime,
        created_at -> Datetime,
        delivered_at -> Nullable<Datetime>,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));

diesel::table! {
    bot_tokens (id) {
        id -> BigInt,
        bot_id -> BigInt,
        token_hash -> Char,
        created_by -> BigInt,
        created_at -> Datetime,
        last_used_at -> Nullable<Datetime>,
        revoked_at -> Nullable<Datetime>,
    }
}

diesel::table! {
    push_devices (token) {
        token -> Varchar,
        user_id -> BigInt,
        platform -> Varchar,
        created_at -> Datetime,
        registered_at -> Datetime,
    }
}

diesel::table! {
    push_settings (user_id) {
        user_id -> BigInt,
        dnd_start_minute -> Nullable<SmallInt>,
        dnd_end_minute -> Nullable<SmallInt>,
        utc_offset_minutes -> SmallInt,
        updated_at -> Datetime,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    push_devices,
    push_settings,
    bot_tokens,
    webhooks,
    webhook_deliveries,
    users,
    audit_log,
    audit_published,
    password_resets,
    refresh_token_families,
    refresh_tokens,
    conversations,
    conversation_members,
    user_blocks,
    messages,
    files,
    notifications,
    broadcasts,
    broadcast_read_cursors,
    events,
    cascade_platforms,
    cascade_sync_jobs,
    processed_envelopes,
    send_receipts,
    conversation_seqs,
    file_attachments,
    message_reactions,
    message_hidden,
    message_search,
);

diesel::table! {
    file_attachments (file_id, conversation_id) {
        file_id -> Char,
        conversation_id -> BigInt,
        created_at -> Datetime,
    }
}

diesel::table! {
    message_reactions (message_id, emoji, user_id) {
        message_id -> Char,
        emoji -> Varchar,
        user_id -> BigInt,
        created_at -> Datetime,
    }
}

diesel::table! {
    message_hidden (user_id, message_id) {
        user_id -> BigInt,
        message_id -> Char,
        conversation_id -> BigInt,
        hidden_at -> Datetime,
    }
}

diesel::table! {
    message_search (message_id) {
        message_id -> Char,
        conversation_id -> BigInt,
        seq -> BigInt,
        rev -> BigInt,
        created_at -> Datetime,
        terms -> Mediumtext,
    }
}
