// Entities pick their column types from DB_TYPE at import time: the chaos suite runs on PostgreSQL only.
process.env.DB_TYPE = 'postgres';
