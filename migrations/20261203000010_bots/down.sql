DROP TABLE bot_tokens;
