DROP TABLE notifications;
DROP TABLE files;
