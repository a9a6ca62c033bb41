DROP TABLE file_attachments;
