DROP TABLE conversation_members;
DROP TABLE conversations;
