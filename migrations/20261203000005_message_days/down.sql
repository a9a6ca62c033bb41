DROP TABLE message_days;
